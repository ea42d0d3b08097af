import { Role } from '../domain/index.ts'
import { Action } from './actions.ts'

const A = Action

/** Reading the trial's blinded clinical data: every role that works on the study. */
const READ: readonly Action[] = [A.StudyView, A.SubjectView, A.FormView, A.AeView, A.AuditView]

/**
 * The permission matrix: the one place that says which role may do what. Blinding is a separate,
 * second check (see `blinding.ts`): a permission to view a subject never implies seeing the arm.
 *
 * - Site staff (investigator, coordinator) run the visits; only the investigator signs, reports SAEs as
 *   medically responsible, and may break the blind for one patient in an emergency.
 * - The blinded outcome assessor enters the efficacy ratings and nothing administrative.
 * - The unblinded pharmacist prepares doses and sees allocations, but never enters clinical outcomes
 *   (so that unblinded knowledge cannot bias an assessment).
 * - Monitors verify source data and raise queries; data managers raise/close queries and lock;
 *   the independent statistician sees allocations and unblinded reports for the DSMB.
 */
export const PERMISSIONS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  [Role.Admin]: new Set([A.StudyView, A.AuditView, A.UserManage, A.StudyManage]),
  [Role.Sponsor]: new Set([...READ, A.AeAssessExpectedness, A.ExportBlinded, A.ReportBlinded]),
  [Role.Investigator]: new Set([
    ...READ,
    A.SubjectScreen,
    A.SubjectEnrol,
    A.SubjectRandomize,
    A.SubjectDisposition,
    A.FormEnter,
    A.FormSign,
    A.AeReport,
    A.QueryAnswer,
    A.SupplyView,
    A.SupplyRecord,
    A.InfusionRecord,
    A.UnblindEmergency,
    A.ReportBlinded,
  ]),
  [Role.Coordinator]: new Set([
    ...READ,
    A.SubjectScreen,
    A.SubjectEnrol,
    A.SubjectRandomize,
    A.SubjectDisposition,
    A.FormEnter,
    A.AeReport,
    A.QueryAnswer,
    A.SupplyView,
    A.SupplyRecord,
    A.InfusionRecord,
  ]),
  [Role.BlindedAssessor]: new Set([A.StudyView, A.SubjectView, A.FormView, A.FormEnter, A.QueryAnswer]),
  [Role.UnblindedPharmacist]: new Set([
    A.StudyView,
    A.SubjectView,
    A.SupplyView,
    A.SupplyRecord,
    A.DosePrepare,
    A.AllocationView,
  ]),
  [Role.Monitor]: new Set([...READ, A.FormVerify, A.QueryRaise, A.QueryClose, A.SupplyView]),
  [Role.DataManager]: new Set([
    ...READ,
    A.QueryRaise,
    A.QueryClose,
    A.FormLock,
    A.DatabaseLock,
    A.ExportBlinded,
    A.ReportBlinded,
    A.SupplyView,
  ]),
  [Role.Statistician]: new Set([
    ...READ,
    A.AllocationView,
    A.ExportBlinded,
    A.ExportUnblinded,
    A.ReportBlinded,
    A.ReportUnblinded,
    A.UnblindStudy,
  ]),
}

/** Roles whose work is tied to the sites they are assigned to; the others see every site they are given. */
export const SITE_SCOPED_ROLES: ReadonlySet<Role> = new Set<Role>([
  Role.Investigator,
  Role.Coordinator,
  Role.BlindedAssessor,
  Role.UnblindedPharmacist,
  Role.Monitor,
])
