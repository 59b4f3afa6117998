import type { Logger } from '../logger.js';

/** What the request-context middleware puts on every request. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
  };
};
