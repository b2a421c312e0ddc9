import { FORMATS } from '@fitsync/api/rules';

/**
 * Ajv's onCreate hook: the contract's string formats (`date`, `date-time` from @fitsync/api),
 * registered after ajv-formats so they replace its versions of the same names. The server's
 * request validation and the CLI's compiled answer validators then run the same rule.
 */
export function addContractFormats(ajv: { addFormat(name: string, format: (value: string) => boolean): unknown }): void {
  for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check);
}
