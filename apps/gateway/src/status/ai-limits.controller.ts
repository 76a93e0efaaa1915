import { Controller, Get, Inject, Param, UseFilters } from '@nestjs/common';
import { APP_CONFIG, RoutesRegistry, type AppConfig } from '@app/config';
import { EMBEDDED_PROVIDER, type ProviderConfig, type Route } from '@app/contracts';
import { AiUsageStore, type BudgetState, type ProviderUsage } from '@app/pipeline';
import { ApiExceptionFilter } from '../rest/api-exception.filter.js';

export interface ProviderView {
  name: string;
  type: 'embedded' | ProviderConfig['type'];
  location: string;
  operator: string;
  dataProcessingAgreement?: string;
  dataClasses: string[];
  model?: string;
  baseUrl?: string;
  limits: { concurrency?: number; requestsPerMinute?: number };
  usage?: ProviderUsage;
}

export interface RouteView {
  id: string;
  description?: string;
  dataClass: Route['dataClass'];
  steps: { id: string; task: string; provider: string; fallbackProviders?: string[] }[];
  tokenBudget?: BudgetState;
}

/**
 * What the AI side is allowed and using, for operators and the systems that submit documents: each
 * provider's data-protection profile and limits with their current use, each route's steps and token
 * budget of the day. Never an API key.
 */
@Controller('api/v1')
@UseFilters(ApiExceptionFilter)
export class AiLimitsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly routes: RoutesRegistry,
    private readonly usage: AiUsageStore,
  ) {}

  @Get('providers')
  async providers(): Promise<{ providers: ProviderView[] }> {
    const embedded: ProviderView = {
      name: EMBEDDED_PROVIDER,
      type: 'embedded',
      location: 'on-premises',
      operator: 'this installation',
      dataClasses: ['public', 'internal', 'personal', 'special-category'],
      limits: {},
    };
    const configured = await Promise.all(
      this.config.providers.map(
        async (p): Promise<ProviderView> => ({
          name: p.name,
          type: p.type,
          location: p.location,
          operator: p.operator,
          ...(p.dataProcessingAgreement !== undefined && { dataProcessingAgreement: p.dataProcessingAgreement }),
          dataClasses: [...p.dataClasses],
          model: p.model,
          baseUrl: p.baseUrl,
          limits: { ...p.limits },
          usage: await this.usage.providerUsage(p.name),
        }),
      ),
    );
    return { providers: [embedded, ...configured] };
  }

  @Get('routes')
  async list(): Promise<{ routes: RouteView[] }> {
    return { routes: await Promise.all(this.routes.all().map((route) => this.view(route))) };
  }

  @Get('routes/:id')
  async one(@Param('id') id: string): Promise<RouteView> {
    // An unknown id is answered 404 with the known ids by the API's exception filter.
    return this.view(this.routes.get(id));
  }

  private async view(route: Route): Promise<RouteView> {
    return {
      id: route.id,
      ...(route.description !== undefined && { description: route.description }),
      dataClass: route.dataClass,
      steps: route.steps.map((s) => ({ id: s.id, task: s.task, provider: s.provider, ...(s.fallbackProviders && { fallbackProviders: s.fallbackProviders }) })),
      ...(route.tokenBudgetPerDay !== undefined && { tokenBudget: await this.usage.budget(route.id, route.tokenBudgetPerDay) }),
    };
  }
}
