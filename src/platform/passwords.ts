import { hash, verify } from '@node-rs/argon2'

/**
 * Password hashing with argon2id at the OWASP minimum profile (19 MiB, t=2, p=1): memory-hard, so a
 * stolen table is expensive to brute-force. The encoded hash carries its parameters, so they can be raised later.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(encoded: string, password: string): Promise<boolean>
}

export const argon2Hasher: PasswordHasher = {
  hash: (password) => hash(password, OPTIONS),
  verify: async (encoded, password) => {
    try {
      return await verify(encoded, password)
    } catch {
      return false
    }
  },
}

/** Cheap hashing for tests that create many users; never used by the server. */
export const fastTestHasher: PasswordHasher = {
  hash: (password) => hash(password, { memoryCost: 1024, timeCost: 1, parallelism: 1 }),
  verify: (encoded, password) => argon2Hasher.verify(encoded, password),
}
