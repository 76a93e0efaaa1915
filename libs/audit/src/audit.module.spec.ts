import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnavailableError } from '@app/contracts';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuditLog } from './audit.log.js';
import { AuditModule } from './audit.module.js';

/** A provider in another module, to show the global registration reaches it. */
@Injectable()
class StepRunner {
  constructor(@Inject(AuditLog) readonly audit: AuditLog) {}
}

@Module({ providers: [StepRunner], exports: [StepRunner] })
class StepModule {}

describe('AuditModule', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-module-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('provides an opened AuditLog to other modules and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AuditModule.forRoot({ url: `sqlite:${join(dir, 'app', 'audit.db')}` }), StepModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();

    const log = app.get(AuditLog);
    expect(app.get(StepRunner).audit).toBe(log);
    expect((await log.append({ documentId: 'doc-1', step: 'intake', outcome: 'accepted' })).seq).toBe(1);

    await app.close();
    await expect(log.append({ documentId: 'doc-1', step: 'kurz', outcome: 'done' })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('passes table and timeout through and can stay local', () => {
    const dynamic = AuditModule.forRoot({ url: ':memory:', table: 'audit_other', busyTimeoutMs: 100, isGlobal: false });
    expect(dynamic.global).toBe(false);
    expect(dynamic.exports).toEqual([AuditLog]);
    expect(AuditModule.forRoot({ url: ':memory:' }).global).toBe(true);
  });

  it('does not start when the database cannot be opened', async () => {
    const compiling = Test.createTestingModule({ imports: [AuditModule.forRoot({ url: 'postgres://postgres@127.0.0.1:1/test', busyTimeoutMs: 500 })] }).compile();
    await expect(compiling).rejects.toBeInstanceOf(UnavailableError);
  });
});
