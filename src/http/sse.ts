/**
 * A streaming response fed by an async generator of ready-made SSE frames.
 * When the client goes away, the generator is returned (its `finally` runs),
 * which is how the upstream call gets aborted and the ledger written.
 */
export function sseResponse(frames: AsyncGenerator<string>, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await frames.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await frames.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers });
}
