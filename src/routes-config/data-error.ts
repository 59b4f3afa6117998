import type { z } from 'zod';

/** A problem in a data file, located as file:line (or file: for whole-file problems). */
export class DataFileError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'DataFileError';
  }
}

export function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
