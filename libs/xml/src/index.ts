export * from './xml.limits.js';
export * from './xml.errors.js';
export * from './xml.parser.js';
export * from './xml.tree.js';
export * from './xoev-header.reader.js';
export * from './xml-text.extractor.js';
export * from './xml.escape.js';
export { decodeXmlInput, readDeclaredEncoding, type DecodedXml, type XmlEncoding } from './xml-encoding.decoder.js';
