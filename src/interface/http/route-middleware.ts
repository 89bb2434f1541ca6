import { FortitudeError } from '../../core/errors.js';
import { HttpError } from './error-status.js';
import type { Route } from './exchange.js';
import type { Middleware } from './middleware.js';
import type { Router } from './router.js';

const MAX_PATH_IN_MESSAGE = 200;

/** Matches the route (404 / 405 with `Allow` otherwise); its handler ends the chain. Before auth, which needs its scope. */
export function routeMiddleware(router: Router<Route>): Middleware {
  return {
    name: 'route',
    handle(exchange, next) {
      const method = exchange.request.method ?? 'GET';
      const lookup = router.lookup(method, exchange.path);
      if (lookup.kind === 'not_found') {
        throw new FortitudeError('not_found', `no route for ${method} ${exchange.path.slice(0, MAX_PATH_IN_MESSAGE)}`);
      }
      if (lookup.kind === 'method_not_allowed') {
        throw new HttpError('method_not_allowed', `${method} is not allowed here; allowed: ${lookup.allow}`, {
          headers: { allow: lookup.allow },
        });
      }
      exchange.route = lookup.route;
      exchange.family = lookup.route.family;
      exchange.params = lookup.params;
      exchange.routePath = lookup.route.path;
      return next(exchange);
    },
  };
}
