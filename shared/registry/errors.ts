/**
 * An answer other than 200, as Consul gives it: a status and a plain-text body saying what is wrong.
 * Everything that refuses a request throws one; the HTTP layer turns it into the response.
 */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

export const badRequest = (message: string) => new RegistryError(400, message);
export const notFound = (message: string) => new RegistryError(404, message);
