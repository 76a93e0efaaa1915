import { Inject, Injectable } from '@nestjs/common';
import { InputError, type BuiltInChannel, type Channel, type Route } from '@app/contracts';
import { APP_CONFIG, type AppConfig } from './app.config.js';

/** Looks routes up by id; an unknown id is the caller's mistake and says which ids exist. */
@Injectable()
export class RoutesRegistry {
  private readonly byId: Map<string, Route>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.byId = new Map(config.routes.map((route) => [route.id, route]));
  }

  all(): Route[] {
    return [...this.byId.values()];
  }

  get(routeId: string): Route {
    const route = this.byId.get(routeId);
    if (!route) {
      throw new InputError(`unknown route "${routeId}"; known routes: ${[...this.byId.keys()].join(', ')}`, 'unknown-route', 404);
    }
    return route;
  }

  /** The route, if it accepts documents over this channel; `source:<connector>` needs that connector among its `sources`. */
  forChannel(routeId: string, channel: Channel): Route {
    const route = this.get(routeId);
    if (channel.startsWith('source:')) {
      const connector = channel.slice('source:'.length);
      if (!route.sources?.some((source) => source.connector === connector)) {
        throw new InputError(`route "${routeId}" has no source "${connector}"`, 'channel-not-accepted', 403);
      }
      return route;
    }
    if (!route.accept.includes(channel as BuiltInChannel)) {
      throw new InputError(`route "${routeId}" does not accept documents over ${channel}; it accepts ${route.accept.join(', ')}`, 'channel-not-accepted', 403);
    }
    return route;
  }

  /** Routes that take documents from the drop folder. */
  folderRoutes(): Route[] {
    return this.all().filter((route) => route.accept.includes('folder'));
  }
}
