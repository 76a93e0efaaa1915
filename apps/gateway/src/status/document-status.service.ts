import { Injectable } from '@nestjs/common';
import { RoutesRegistry } from '@app/config';
import { InputError, type DocumentStatus } from '@app/contracts';
import { DocumentStore } from '@app/documents';
import { PipelineService } from '@app/pipeline';

/** A document's state with every step of its route's plan, for the REST and SOAP status calls. */
@Injectable()
export class DocumentStatusService {
  constructor(
    private readonly store: DocumentStore,
    private readonly routes: RoutesRegistry,
    private readonly pipeline: PipelineService,
  ) {}

  async get(id: string): Promise<DocumentStatus> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new InputError(`"${id.slice(0, 80)}" is not a document id`, 'bad-document-id');
    const document = await this.store.getDocument(id);
    const status = document && (await this.store.getStatus(id, this.pipeline.plan(this.routes.get(document.routeId))));
    if (!status) throw new InputError(`no document ${id} (unknown or expired)`, 'not-found', 404);
    return status;
  }
}
