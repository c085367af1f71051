// losant-rest ships no types; the contract tests use only its generic request.
declare module 'losant-rest' {
  interface LosantClient {
    request: (req: object, opts?: object) => Promise<any>
  }
  const losant: { createClient: (options: { url?: string, accessToken?: string }) => LosantClient }
  export default losant
}
