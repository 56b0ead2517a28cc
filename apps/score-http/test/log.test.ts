import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../src/log.js';

describe('scrubSecrets', () => {
  it('removes passwords from URLs and keys from connection strings', () => {
    expect(scrubSecrets('connect redis://default:hunter2@cache:6380 failed')).toBe(
      'connect redis://default:[redacted]@cache:6380 failed',
    );
    expect(scrubSecrets('rediss://:pw@host:6380')).toBe('rediss://:[redacted]@host:6380');
    const cs = 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=abc+/=;';
    expect(scrubSecrets(cs)).toBe(
      'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=[redacted];',
    );
    expect(scrubSecrets('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k3y==;')).toContain(
      'AccountKey=[redacted]',
    );
    expect(scrubSecrets('nothing secret here')).toBe('nothing secret here');
  });
});
