import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

type Values<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T & typeof HELP; strict: true; allowPositionals: false }>
>['values'];

/**
 * A script's options, parsed strictly, with `--help` and a bad option handled
 * alike in every script: `--help` prints the usage (exit code 0), a bad option
 * prints what is wrong and the usage to stderr (exit code 2). A number returned
 * is that exit code; otherwise the parsed values.
 */
export function readOptions<const T extends Options>(
  options: T,
  usage: string,
  args: string[] = process.argv.slice(2),
): Values<T> | number {
  let values: Values<T>;
  try {
    values = parseArgs({ args, options: { ...options, ...HELP }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if ((values as { help?: boolean }).help === true) {
    console.log(usage);
    return 0;
  }
  return values;
}
