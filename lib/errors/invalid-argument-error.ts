import { RdmaError } from './rdma-error.js';

/** Bad input, caught before it reaches a provider. `code` is `"ERR_INVALID_ARG"`. */
export class InvalidArgumentError extends RdmaError {
  /** The argument or field that was wrong, e.g. `"wr[2].sgList[0].length"`. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super('ERR_INVALID_ARG', `${argument}: ${message}`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
  }
}
