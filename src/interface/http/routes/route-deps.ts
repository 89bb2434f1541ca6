import type { DashboardLayout } from '../../dashboard/dashboard-layout.js';
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
