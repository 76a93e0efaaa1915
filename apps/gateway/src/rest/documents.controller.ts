import { Body, Controller, Get, HttpStatus, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { InputError, type DocumentStatus, type Receipt } from '@app/contracts';
import { IntakeService } from '../intake/intake.service.js';
import { DocumentStatusService } from '../status/document-status.service.js';
import { ApiExceptionFilter } from './api-exception.filter.js';
import { requestBaseUrl } from './request-base-url.js';

const jsonSubmission = z.strictObject({
  routeId: z.string().min(1),
  correlationId: z.string().optional(),
  filename: z.string().max(255).optional(),
  contentType: z.string().max(100).optional(),
  /** The document: text as is, or base64 for exact bytes. */
  content: z.string().min(1),
  encoding: z.enum(['utf-8', 'base64']).default('utf-8'),
});

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** REST way in: POST a document (XML or text body, or JSON), GET its status. */
@Controller('api/v1/documents')
@UseFilters(ApiExceptionFilter)
export class DocumentsController {
  constructor(
    private readonly intake: IntakeService,
    private readonly statuses: DocumentStatusService,
  ) {}

  @Post()
  async submit(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Body() body: unknown, @Query() query: Record<string, string>): Promise<Receipt> {
    const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    let receipt: Receipt;
    if (type === 'application/json') {
      const parsed = jsonSubmission.safeParse(body);
      if (!parsed.success) {
        throw new InputError(`bad JSON submission: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`, 'bad-request');
      }
      const s = parsed.data;
      receipt = await this.intake.submit(
        { routeId: s.routeId, channel: 'rest', body: Buffer.from(s.content, s.encoding === 'base64' ? 'base64' : 'utf8'), contentType: s.contentType, filename: s.filename, correlationId: s.correlationId },
        requestBaseUrl(req),
      );
    } else {
      const routeId = query.route ?? header(req, 'x-route');
      if (!routeId) throw new InputError('name the route: ?route=<id> or the header X-Route', 'no-route');
      receipt = await this.intake.submit(
        {
          routeId,
          channel: 'rest',
          body: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
          contentType: header(req, 'content-type'),
          filename: query.filename,
          correlationId: query.correlationId ?? header(req, 'x-correlation-id'),
        },
        requestBaseUrl(req),
      );
    }
    res.status(receipt.duplicate ? HttpStatus.OK : HttpStatus.ACCEPTED).location(receipt.statusUrl);
    return receipt;
  }

  @Get(':id')
  status(@Param('id') id: string): Promise<DocumentStatus> {
    return this.statuses.get(id);
  }
}
