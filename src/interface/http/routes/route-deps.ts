import type { DashboardLayout } from '../../dashboard/dashboard-layout.js';
import type { Route, RouteFamily } from '../exchange.js';
import type { HttpLogger } from '../http-logger.js';
import type { HttpServices } from '../http-services.js';

/** What route handlers need besides the exchange. */
export interface RouteDeps {
  services: HttpServices;
  logger: HttpLogger;
  bodyLimitBytes: number;
  /** Interval of SSE keep-alive comments; 0 disables them. */
  sseHeartbeatMs: number;
  /** `monitoring.dashboards`: the dashboard page's groups and panels (default: the seed's, plus cache and alerts). */
  dashboards?: readonly DashboardLayout[] | undefined;
}

/** A route of the `/v1` gateway (API-key scope `gateway`) in the wire family it speaks. */
export function gatewayRoute(family: RouteFamily, method: Route['method'], path: string, handle: Route['handle']): Route {
  return { method, path, scope: 'gateway', family, handle };
}
