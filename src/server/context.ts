import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../catalog/catalog.js';
import type { StationConfig } from '../config/schema.js';
import type { TypedBus } from '../core/bus.js';
import type { RuleRegistry } from '../rules/index.js';
import type { StationDb } from '../store/index.js';
import type { LiveMessage } from './api-types.js';

/**
 * What route modules may use: the station's store, rules, catalog, config and live bus. Anything a route needs
 * beyond this is added here (and built in src/app/station-app.ts), so the wiring stays in one place.
 */
export interface StationContext {
  config: StationConfig;
  sdb: StationDb;
  catalog: Catalog;
  rules: RuleRegistry;
  bus: TypedBus<{ live: LiveMessage }>;
  /** Components added by areas (workflow, workload …), keyed by area name. */
  services: Map<string, unknown>;
  http?: FastifyInstance;
}
