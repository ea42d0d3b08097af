/**
 * The database schema as Kysely types: one interface for both dialects (SQLite and PostgreSQL).
 *
 * Portability rules (STACK.md §2.2): instants are ISO-8601 UTC text with milliseconds, calendar dates
 * `YYYY-MM-DD` text, booleans 0/1 integers, JSON is canonical text (validated with zod when read), ids are
 * text (UUIDv7, or the protocol's own codes for sites, visits, forms and arms). Nothing is deleted: rows
 * change state and every change is mirrored by an audit record in the same transaction.
 *
 * One database holds one study.
 */
/** 0 or 1: booleans are integers in both dialects. */
export type Bool = 0 | 1

export interface StudyTable {
  id: string
  title: string
  /** The protocol version new data is captured on (the latest loaded). */
  protocol_version_id: string
  created_at: string
  updated_at: string
  /** Randomization go-live: lists generated and sealed, fingerprints published. */
  randomization_live_at: string | null
  database_locked_at: string | null
  database_locked_by: string | null
  /** SHA-256 of the canonical full-study extract taken at database lock. */
  database_lock_hash: string | null
  unblinded_at: string | null
  unblinded_by: string | null
  /** Check value of the seal key the study's sealed rows were written with (`Sealer.keyCheck`; never the key). */
  seal_check: string | null
}

/** Immutable: a protocol amendment is a new row; data rows point at the version they were entered on. */
export interface ProtocolVersionTable {
  id: string
  study_id: string
  /** 1, 2, ... in load order. */
  ordinal: number
  version_label: string
  hash: string
  /** Canonical JSON of the parsed protocol. */
  content: string
  source: string
  loaded_at: string
  loaded_by: string
}

export interface SiteTable {
  id: string
  name: string
  country: string
  city: string | null
  target_enrolment: number | null
  active: Bool
  created_at: string
}

export interface UserTable {
  id: string
  username: string
  display_name: string
  role: string
  /** JSON: `"all"` or a list of site ids. */
  sites: string
  password_hash: string
  active: Bool
  created_at: string
  deactivated_at: string | null
  last_login_at: string | null
}

/** Server-side sessions: only the SHA-256 of the random session id is stored. */
export interface SessionTable {
  id_hash: string
  user_id: string
  created_at: string
  last_seen_at: string
  expires_at: string
  revoked_at: string | null
  user_agent: string | null
}

/** Personal API tokens: only the SHA-256 (hex) of the secret is stored. */
export interface ApiTokenTable {
  id: string
  hash: string
  user_id: string
  label: string
  /** JSON: `"all"` or a list of site ids (never wider than the owner's). */
  sites: string
  created_at: string
  expires_at: string
  revoked_at: string | null
}

export interface SubjectTable {
  id: string
  site_id: string
  screening_number: string
  /** screening | screen-failed | enrolled | randomized | withdrawn | completed | died */
  status: string
  /** Protocol version the subject was screened/enrolled under. */
  protocol_version_id: string
  screening_date: string
  screened_at: string
  consent_date: string | null
  consent_version: string | null
  /** JSON `{ answers, eligible, failed }` from the eligibility checklist. */
  eligibility: string | null
  eligible: Bool | null
  enrolment_date: string | null
  /** JSON: stratification factor inputs recorded at enrolment, e.g. `{ "onset": "spinal", "deltaFS": 0.4 }`. */
  factors: string | null
  stratum: string | null
  randomization_date: string | null
  randomized_at: string | null
  /** The period the subject is in (id from the protocol), once randomized. */
  current_period: string | null
  end_date: string | null
  end_reason: string | null
  death_date: string | null
  emergency_unblinded_at: string | null
  emergency_unblinded_by: string | null
  signed_at: string | null
  signed_by: string | null
  locked_at: string | null
  locked_by: string | null
  created_at: string
  updated_at: string
}

/**
 * Sealed-at-rest columns (`sealed`): allocation detail (arm, slot, dose, what a preparation contains) is kept
 * only as AES-256-GCM ciphertext under the server's seal key, padded to a fixed block so its length does not
 * depend on the arm, and bound to its row. A database reader, a backup or a blinded administrator sees no arm.
 */

/** One sealed list per period that allocates (all strata), with its published fingerprint and sealed seed. */
export interface RandomizationListTable {
  id: string
  period_id: string
  /** JSON of the randomization module's `SealedList` envelope. */
  sealed_list: string
  fingerprint: string
  method: string
  /** The seed, sealed: kept so a list can be extended reproducibly. */
  seed_sealed: string
  created_at: string
  created_by: string
}

/** Per (period, stratum): subjects allocated so far. The counter row the allocation locks (PostgreSQL). */
export interface RandomizationCounterTable {
  period_id: string
  stratum: string
  allocated: number
  /** Minimisation only: the marginal counts, sealed (they would reveal each allocation). */
  sealed_state: string | null
}

/**
 * One taken slot. The subject is recorded as a keyed hash (HMAC under the seal key), so the rows of a
 * re-randomization list do not tell a database reader which patients were on placebo.
 */
export interface RandomizationSlotTable {
  period_id: string
  stratum: string
  sequence: number
  subject_token: string
  /** Sealed `AllocatedSlot`. */
  sealed: string
}

/** A subject's entry into a period (randomization, the crossover step, the extension). Sealed: the assignment. */
export interface SubjectPeriodTable {
  id: string
  subject_id: string
  period_id: string
  /** The date the period starts for this subject: the anchor of the period's visits. */
  start_date: string
  entered_at: string
  entered_by: string
  /** Sealed `PeriodAssignment` (arm, what is received, slot). */
  sealed: string
}

export interface ExtractionTable {
  id: string
  subject_id: string
  site_id: string
  extraction_date: string
  tissue_grams: number
  sufficient: Bool
  recorded_at: string
  recorded_by: string
}

/** A manufactured lot of the patient's own cells; made and released for every patient, whatever the arm. */
export interface ProductLotTable {
  id: string
  subject_id: string
  site_id: string
  extraction_id: string
  manufactured_on: string
  /** null until released | passed | failed */
  release_status: string | null
  release_date: string | null
  expires_on: string | null
  /** JSON: the values recorded per release criterion. */
  release_values: string | null
  /** JSON: the criteria that failed. */
  release_failures: string | null
  recorded_at: string
  recorded_by: string
  updated_at: string
}

/** A prepared dose. Every arm has one, with the same clear columns; the content is sealed. */
export interface DosePreparationTable {
  id: string
  subject_id: string
  period_id: string
  preparation_code: string
  /** The patient's released lot, referenced for every arm (a placebo preparation leaves it in storage). */
  lot_id: string
  weight_kg: number
  weight_date: string
  volume_ml: number
  prepared_on: string
  prepared_at: string
  prepared_by: string
  infused_on: string | null
  /** Sealed preparation sheet: arm, computed dose, content. */
  sealed: string
}

export interface InfusionTable {
  id: string
  subject_id: string
  period_id: string
  preparation_id: string
  infusion_date: string
  started_at: string
  ended_at: string | null
  volume_ml: number
  /** completed | interrupted */
  status: string
  notes: string | null
  recorded_at: string
  recorded_by: string
}

export interface VisitRecordTable {
  subject_id: string
  visit_id: string
  /** done | not-done */
  status: string
  actual_date: string | null
  reason: string | null
  recorded_at: string
  recorded_by: string
}

/** The head of one form instance (subject × visit × form × repeat): current version, SDV, signature, lock. */
export interface FormStateTable {
  id: string
  subject_id: string
  site_id: string
  visit_id: string
  form_id: string
  instance: number
  current_version: number
  /** entered | deleted */
  status: string
  first_saved_at: string
  last_saved_at: string
  verified_version: number | null
  verified_at: string | null
  verified_by: string | null
  signed_version: number | null
  signed_at: string | null
  signed_by: string | null
  locked_at: string | null
  locked_by: string | null
  /** Automatic queries not closed (lets a save skip looking for them when there are none). */
  open_auto_queries: number
}

/** Append-only: every save of a form is a new immutable version. */
export interface FormVersionTable {
  id: string
  form_state_id: string
  version: number
  /** entered | deleted */
  status: string
  /** JSON object of item values. */
  data: string
  /** JSON object of derived values (scores) computed at save. */
  derived: string
  protocol_version_id: string
  /** Hash of the form definition the values were validated against. */
  form_hash: string
  saved_at: string
  saved_by: string
  saved_role: string
  reason: string | null
}

export interface DataQueryTable {
  id: string
  subject_id: string
  site_id: string
  form_state_id: string | null
  item_id: string | null
  /** manual | auto */
  origin: string
  check_id: string | null
  /** open | answered | closed */
  status: string
  text: string
  raised_at: string
  raised_by: string
  updated_at: string
}

export interface QueryMessageTable {
  id: string
  query_id: string
  /** raise | answer | close | reopen */
  action: string
  text: string
  at: string
  user_id: string
  username: string
  role: string
}

/**
 * The head of an adverse event: its data are the versions of the protocol's AE form (visit `AE`, instance =
 * AE number), so they share the form history, validation and edit-check queries; this row adds the safety
 * workflow (classification, SAE clock, sponsor acknowledgement) and the fields lists are filtered by.
 */
export interface AdverseEventTable {
  id: string
  subject_id: string
  site_id: string
  /** 1, 2, ... per subject. */
  ae_number: number
  form_state_id: string
  term: string
  onset_date: string
  end_date: string | null
  grade: number | null
  serious: Bool
  causality: string
  related: Bool
  /** The sponsor's expectedness decision, or the protocol's expected terms when not decided. */
  expected: Bool
  susar: Bool
  /** ongoing | resolved */
  status: string
  outcome: string | null
  awareness_at: string
  sae_due_at: string | null
  sae_acknowledged_at: string | null
  sae_acknowledged_by: string | null
  created_at: string
  updated_at: string
}

/** Survival events (death, tracheostomy, permanent ventilation) recorded outside forms. */
export interface ClinicalEventTable {
  id: string
  subject_id: string
  kind: string
  event_date: string
  details: string | null
  recorded_at: string
  recorded_by: string
}

export interface NotificationTable {
  id: string
  created_at: string
  kind: string
  recipient_role: string
  subject_id: string | null
  site_id: string | null
  message: string
  read_at: string | null
  read_by: string | null
}

/** The hash-chained audit trail. `seq` is gapless, assigned inside the writing transaction. */
export interface AuditLogTable {
  seq: number
  at: string
  actor_id: string
  username: string
  role: string
  site_id: string | null
  kind: string
  entity_type: string
  entity_id: string
  subject_id: string | null
  /** Canonical JSON list of `{ field, old, new, sensitive? }`; sensitive old/new values are sealed. */
  changes: string
  reason: string | null
  prev_hash: string
  hash: string
}

/** One row (id 1): the last seq and hash. Row-locked on PostgreSQL so the chain stays linear. */
export interface AuditHeadTable {
  id: number
  seq: number
  hash: string
}

export interface DB {
  study: StudyTable
  protocol_version: ProtocolVersionTable
  site: SiteTable
  app_user: UserTable
  user_session: SessionTable
  api_token: ApiTokenTable
  subject: SubjectTable
  randomization_list: RandomizationListTable
  randomization_counter: RandomizationCounterTable
  randomization_slot: RandomizationSlotTable
  subject_period: SubjectPeriodTable
  extraction: ExtractionTable
  product_lot: ProductLotTable
  dose_preparation: DosePreparationTable
  infusion: InfusionTable
  visit_record: VisitRecordTable
  form_state: FormStateTable
  form_version: FormVersionTable
  data_query: DataQueryTable
  query_message: QueryMessageTable
  adverse_event: AdverseEventTable
  clinical_event: ClinicalEventTable
  notification: NotificationTable
  audit_log: AuditLogTable
  audit_head: AuditHeadTable
}
