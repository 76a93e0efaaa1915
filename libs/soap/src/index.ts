export * from './soap-fault.builder.js';
export * from './soap-endpoint.server.js';
export * from './soap.caller.js';
export * from './soap-value.reader.js';
export { describeWsdl, findPort, setWsdlAddresses } from './wsdl.inspector.js';
export type { QualifiedName, SoapVersion, WsdlDescription, WsdlOperation, WsdlPort } from './wsdl.inspector.js';
