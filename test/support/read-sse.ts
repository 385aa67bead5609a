/** Raw SSE frames of a response body, for checking the wire format itself (event: lines, order, pings). */
export interface RawSseFrame {
  event: string | undefined;
  data: string | undefined;
  comment: string | undefined;
}

export async function readSseFrames(response: Response): Promise<RawSseFrame[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const frame: RawSseFrame = { event: undefined, data: undefined, comment: undefined };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('data: ')) frame.data = line.slice(6);
        else if (line.startsWith(': ')) frame.comment = line.slice(2);
      }
      return frame;
    });
}
