import type { Logger } from '../logger.js';
import type { RouterServices } from '../services.js';

/** What the app's middleware puts on every request. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    /** Set by `ready()` on /v1/*, /admin/* and /dashboard/api/*; routes outside those groups must not read it. */
    services: RouterServices;
  };
};
