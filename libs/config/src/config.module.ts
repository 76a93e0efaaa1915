import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './app.config.js';
import { RoutesRegistry } from './routes.registry.js';

/** Config is loaded before Nest starts (a bad setting must stop the process with a message), then provided. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, RoutesRegistry],
      exports: [APP_CONFIG, RoutesRegistry],
    };
  }
}
