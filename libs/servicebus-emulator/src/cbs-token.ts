// Microsoft Entra ID tokens on the $cbs node. The Service Bus SDK with a TokenCredential puts a JWT
// (token type `jwt`) for each entity before attaching a link; with `tokens` set, the emulator checks it
// as Service Bus does (signature, audience, lifetime) and answers a bad one with 401 and
// amqp:unauthorized-access, which the SDK raises as a ServiceBusError with code 'UnauthorizedAccess'.
// SAS tokens (the emulator's own connection string) are not checked, as before.
import { verify, type KeyObject } from 'node:crypto';
import type { AmqpError, AmqpMessage } from './amqp.js';
import { amqpError } from './errors.js';
import type { Reply } from './request-response.js';

export const UNAUTHORIZED = 'amqp:unauthorized-access';

export interface CbsTokenValidation {
  /** Public keys of the token issuer (RS256); a token signed by none of them is refused. */
  publicKeys: KeyObject[];
  /** Accepted `aud` values. Default Service Bus's: https://servicebus.azure.net (with or without a slash). */
  audiences?: string[];
  /** Accepted `iss` prefix, e.g. https://sts.windows.net/<tenant>/. Default: any. */
  issuerPrefix?: string;
  /** Clock skew allowed on `exp` and `nbf`. Default 0 (tests use short lifetimes). */
  clockSkewMs?: number;
}

const DEFAULT_AUDIENCES = ['https://servicebus.azure.net', 'https://servicebus.azure.net/'];

function refuse(description: string): AmqpError {
  return amqpError(UNAUTHORIZED, description);
}

/** Undefined when the put-token request may pass; otherwise the error to answer with. */
export function checkCbsToken(request: AmqpMessage, validation: CbsTokenValidation): AmqpError | undefined {
  const type = request.application_properties?.type;
  if (type !== 'jwt') return undefined;
  const token = request.body;
  if (typeof token !== 'string')
    return refuse('InvalidToken: the jwt put-token body must be the token string.');
  const parts = token.split('.');
  if (parts.length !== 3) return refuse('InvalidToken: the token is not a JWT (header.payload.signature).');
  let header: { alg?: unknown };
  let claims: { aud?: unknown; iss?: unknown; exp?: unknown; nbf?: unknown };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return refuse('InvalidToken: the JWT header or payload is not base64url JSON.');
  }
  if (header.alg !== 'RS256')
    return refuse(`InvalidSignature: unsupported JWT algorithm ${String(header.alg)}.`);
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  if (!validation.publicKeys.some((key) => verify('sha256', signed, key, signature))) {
    return refuse('InvalidSignature: the token has an invalid signature.');
  }
  const audiences = validation.audiences ?? DEFAULT_AUDIENCES;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) {
    return refuse(`InvalidAudience: the token audience ${JSON.stringify(claims.aud)} is not Service Bus.`);
  }
  if (
    validation.issuerPrefix &&
    !(typeof claims.iss === 'string' && claims.iss.startsWith(validation.issuerPrefix))
  ) {
    return refuse(`InvalidIssuer: token issuer ${JSON.stringify(claims.iss)} is invalid.`);
  }
  const now = Date.now();
  const skew = validation.clockSkewMs ?? 0;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 + skew <= now) {
    return refuse('ExpiredToken: the token is expired.');
  }
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 - skew > now) {
    return refuse('InvalidToken: the token is not valid yet (nbf).');
  }
  return undefined;
}

/** The $cbs reply refusing a token: 401, as Service Bus answers it, with the condition the SDK maps. */
export function refusedTokenReply(
  request: AmqpMessage,
  validation: CbsTokenValidation | undefined,
): Reply | undefined {
  const error = validation && checkCbsToken(request, validation);
  if (!error) return undefined;
  return {
    statusCode: 401,
    statusDescription: error.description ?? error.condition,
    errorCondition: error.condition,
  };
}
