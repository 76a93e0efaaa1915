export * from './audit.types.js';
export { AuditLog, MAX_AUDIT_DETAIL_LENGTH } from './audit.log.js';
export { AuditModule, type AuditModuleOptions } from './audit.module.js';
export { canonicalAuditPayload, computeAuditHash, GENESIS_HASH } from './audit.hash.js';
export { parseAuditUrl, type AuditTarget } from './audit.database.js';
export { DEFAULT_AUDIT_TABLE } from './audit.schema.js';
