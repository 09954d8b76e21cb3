// An HTTP failure the server answers itself (before or around the cluster call), as JSON `{error}`.
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
