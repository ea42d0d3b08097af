import type { TokenService } from '../capture/index.ts'

/**
 * Where the API keeps personal API tokens: by default `services.tokens` (database rows holding only the SHA-256 of
 * each secret, creation and revocation audited, so tokens outlive a restart). The API draws the secret, shows it
 * once and hands the store only its hash; `ApiDeps.tokens` plugs in another implementation of the same contract.
 */
export type ApiTokenStore = TokenService
