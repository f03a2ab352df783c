import type { RouteModule } from '../http.js';
import type { StationContext } from '../context.js';

/** Route modules by area; append one line per module (each file exports `default` as a RouteModule). */
export const routeModules: Array<() => Promise<{ default: RouteModule<StationContext> }>> = [
  // areas append their line here
  () => import('./workflow.js'),
  () => import('./workflow-admin.js'),
  () => import('./auth.js'),
  () => import('./supervisor.js'),
  () => import('./notices.js'),
  () => import('./ui-assets.js'),
];
