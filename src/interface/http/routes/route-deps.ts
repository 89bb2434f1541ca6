import type { HttpLogger } from '../http-logger.js';
import type { HttpServices } from '../http-services.js';

/** What route handlers need besides the exchange. */
export interface RouteDeps {
  services: HttpServices;
  logger: HttpLogger;
  bodyLimitBytes: number;
  /** Interval of SSE keep-alive comments; 0 disables them. */
  sseHeartbeatMs: number;
}
