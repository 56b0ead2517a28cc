import { describe, expect, it } from 'vitest';
import { parseAddress } from '../src/address.js';
import { deliveryTagToLockToken, lockTokenToDeliveryTag, lockTokenToUuidBytes } from '../src/lock-token.js';

describe('parseAddress', () => {
  it('recognises queues, dead-letter queues, management nodes and $cbs', () => {
    expect(parseAddress('orders')).toEqual({ kind: 'entity', queue: 'orders', subQueue: 'active' });
    expect(parseAddress('orders/$DeadLetterQueue')).toEqual({
      kind: 'entity',
      queue: 'orders',
      subQueue: 'deadLetter',
    });
    expect(parseAddress('orders/$management')).toEqual({
      kind: 'management',
      queue: 'orders',
      subQueue: 'active',
    });
    expect(parseAddress('orders/$deadletterqueue/$management')).toEqual({
      kind: 'management',
      queue: 'orders',
      subQueue: 'deadLetter',
    });
    expect(parseAddress('$cbs')).toEqual({ kind: 'cbs' });
  });

  it('strips the endpoint from CBS audiences', () => {
    expect(parseAddress('sb://127.0.0.1:5672/orders')).toEqual({
      kind: 'entity',
      queue: 'orders',
      subQueue: 'active',
    });
    expect(parseAddress('sb://localhost/orders/$management/')).toMatchObject({
      kind: 'management',
      queue: 'orders',
    });
  });

  it('explains addresses it cannot serve', () => {
    expect(parseAddress(undefined)).toMatchObject({ kind: 'invalid' });
    expect(parseAddress('topic/Subscriptions/sub')).toEqual({
      kind: 'invalid',
      reason: "'topic/Subscriptions/sub' is not a queue address (topics and subscriptions are not supported)",
    });
  });
});

describe('lock tokens', () => {
  it('puts the token in the delivery tag in .NET GUID byte order', () => {
    const token = '00112233-4455-6677-8899-aabbccddeeff';
    expect(lockTokenToUuidBytes(token).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    expect(lockTokenToDeliveryTag(token).toString('hex')).toBe('33221100554477668899aabbccddeeff');
    expect(deliveryTagToLockToken(lockTokenToDeliveryTag(token))).toBe(token);
  });
});
