import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bench/service-process.js';

/** What deploy/deployment.yaml gives the container: its literal environment and its memory limit. */
export interface DeploySettings {
  env: Record<string, string>;
  memoryLimitMb: number;
}

const UNIT_MB: Record<string, number> = { Mi: 1, Gi: 1024, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };

/**
 * Read from the manifest rather than copied, so a hostile run or a bench
 * judges the service by the limits it is actually deployed with. Only the
 * one-line `- { name: X, value: 'Y' }` entries (the manifest's style) count.
 */
export function parseDeploySettings(yaml: string): DeploySettings {
  const env: Record<string, string> = {};
  for (const match of yaml.matchAll(/^\s*- \{ name: ([A-Z0-9_]+), value: '?([^'}]*?)'? \}/gm)) env[match[1]!] = match[2]!;
  const limit = /limits: \{[^}]*memory: (\d+(?:\.\d+)?)(Mi|Gi|M|G)/.exec(yaml);
  if (limit === null) throw new Error('deploy/deployment.yaml: no memory limit found');
  return { env, memoryLimitMb: Number(limit[1]) * UNIT_MB[limit[2]!]! };
}

export function readDeploySettings(path = join(PROJECT_ROOT, 'deploy/deployment.yaml')): DeploySettings {
  return parseDeploySettings(readFileSync(path, 'utf8'));
}
