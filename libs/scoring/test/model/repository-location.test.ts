import { describe, expect, it } from 'vitest';
import { blobRepositoryPlace } from '../../src/model/repository-location.js';

describe('blobRepositoryPlace: the container and prefix storage events name', () => {
  it('reads blob:<container>[/<prefix>] and container URLs, path-style on Azurite, host-style in Azure', () => {
    expect(blobRepositoryPlace('blob:models')).toEqual({ container: 'models', prefix: '' });
    expect(blobRepositoryPlace('blob:models/prod/v2/')).toEqual({ container: 'models', prefix: 'prod/v2' });
    expect(blobRepositoryPlace('https://acct.blob.core.windows.net/models/prod?sv=1&sig=x')).toEqual({
      container: 'models',
      prefix: 'prod',
    });
    expect(blobRepositoryPlace('http://127.0.0.1:10000/devstoreaccount1/models')).toEqual({
      container: 'models',
      prefix: '',
    });
  });

  it('is undefined for a folder, or a URL that names no container', () => {
    expect(blobRepositoryPlace('/srv/models')).toBeUndefined();
    expect(blobRepositoryPlace('models')).toBeUndefined();
    expect(blobRepositoryPlace('https://acct.blob.core.windows.net/')).toBeUndefined();
    expect(blobRepositoryPlace('blob:')).toBeUndefined();
  });
});
