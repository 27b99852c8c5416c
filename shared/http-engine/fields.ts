/**
 * Checks of header fields on their way out: a name must be a token and a value must not hold CR, LF or
 * NUL — else a value taken from elsewhere (a token's claim, an upstream's answer) could add headers or
 * split the message. Names repeat from one message to the next, so a name that passed is remembered.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const knownNames = new Set<string>();
const MAX_KNOWN = 4096;

export function isSendableName(name: string): boolean {
  if (knownNames.has(name)) return true;
  if (!TOKEN.test(name)) return false;
  if (knownNames.size < MAX_KNOWN) knownNames.add(name);
  return true;
}

const UNSENDABLE = /[\r\n\0]/;

export function isSendableValue(value: string): boolean {
  return !UNSENDABLE.test(value);
}
