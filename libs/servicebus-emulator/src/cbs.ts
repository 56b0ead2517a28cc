// Claims-based security: before attaching any link the SDK "puts" a token for the entity it wants on
// the $cbs node. The emulator does not check SAS tokens (any key works), Entra ID tokens only when started
// with `tokens` (cbs-token.ts), but it does check the entity, so a typo in a queue name fails fast with
// MessagingEntityNotFound instead of timing out later.
import type { AmqpMessage } from './amqp.js';
import { amqpError, Condition } from './errors.js';
import { refusedTokenReply, type CbsTokenValidation } from './cbs-token.js';
import { failure, ok, type Reply } from './request-response.js';

/** Returns an error description when `audience` names nothing the emulator serves. */
export type AudienceCheck = (audience: string) => string | undefined;

export function handleCbsRequest(
  request: AmqpMessage,
  checkAudience: AudienceCheck,
  tokens?: CbsTokenValidation,
): Reply {
  const props = request.application_properties ?? {};
  const operation = props.operation;
  if (operation !== 'put-token') {
    return failure(
      amqpError(
        Condition.notImplemented,
        `CBS operation '${String(operation)}' is not supported; only put-token is.`,
      ),
    );
  }
  const audience = props.name;
  if (typeof audience !== 'string' || audience.length === 0) {
    return failure(
      amqpError(Condition.argumentError, "put-token needs the audience in the 'name' application property."),
    );
  }
  const problem = checkAudience(audience);
  if (problem) return failure(amqpError(Condition.notFound, problem));
  return refusedTokenReply(request, tokens) ?? ok(undefined, 200);
}
