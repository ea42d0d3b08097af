/** The people who work on a trial. One vocabulary for validation, access control and the UI. */
export const Role = {
  Admin: 'admin',
  Sponsor: 'sponsor',
  Investigator: 'investigator',
  Coordinator: 'coordinator',
  BlindedAssessor: 'blinded-assessor',
  UnblindedPharmacist: 'unblinded-pharmacist',
  Monitor: 'monitor',
  DataManager: 'data-manager',
  Statistician: 'independent-statistician',
} as const
export type Role = (typeof Role)[keyof typeof Role]
export const ROLES: readonly Role[] = Object.values(Role)

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  admin: 'Administrator',
  sponsor: 'Sponsor',
  investigator: 'Site investigator',
  coordinator: 'Study coordinator',
  'blinded-assessor': 'Blinded outcome assessor',
  'unblinded-pharmacist': 'Unblinded pharmacist',
  monitor: 'Monitor',
  'data-manager': 'Data manager',
  'independent-statistician': 'Independent statistician',
}

/**
 * Roles that may see allocations while the study is blinded. Everyone else gets the blinded projection;
 * after end-of-study unblinding every role may.
 */
export const UNBLINDED_ROLES: ReadonlySet<Role> = new Set<Role>([Role.UnblindedPharmacist, Role.Statistician])

export function isUnblindedRole(role: Role): boolean {
  return UNBLINDED_ROLES.has(role)
}
