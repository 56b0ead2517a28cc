// Trying the token paths locally, without Microsoft Entra ID: tokens signed here, a throwaway TLS
// certificate, Azurite taking bearer tokens. For tests and local experiments only: its own Nx project
// (scope:dev) outside libs/identity/src, so the lint refuses it to runtime sources.
export { SignedTokenCredential, type SignedTokenCredentialOptions } from './signed-token-credential.js';
export { runTrusting, throwawayCertificate } from './certificate.js';
export { startOAuthAzurite, type OAuthAzurite } from './oauth-azurite.js';
