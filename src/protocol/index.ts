export * from './load-protocol.ts'
export { validateProtocol } from './validate-protocol.ts'
