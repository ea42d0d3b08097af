/** `prev_hash` of the first audit record: the chain starts from 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64)
