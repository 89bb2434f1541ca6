import type { ServerResponse } from 'node:http';
import type { ChatCall, Completion, StreamRenderer } from './formats/sim-format.js';
import type { TimerSet } from './timer-set.js';

export interface StreamPlan {
  /** Wait between the first event and the first text event, ms. */
  timeToFirstTokenMs: number;
  /** 0 = no pacing. */
  tokensPerSecond: number;
  /** `complete` ends with the format's completion events; the others stop halfway. */
  ending: 'complete' | 'truncate' | 'error';
}

function groups(pieces: readonly string[], size: number): string[] {
  if (size <= 1) return pieces as string[];
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i += size) out.push(pieces.slice(i, i + size).join(''));
  return out;
}

/**
 * Writes a streamed answer: head events, text (or tool-call) events paced at the profile's token rate, then
 * the tail — or, for broken streams, half the text and then nothing (`truncate`: the response
 * ends cleanly without the completion signal) or the format's error event (`error`).
 * Unpaced streams go out in one write. Headers must already be written.
 */
export function writeStream(
  response: ServerResponse,
  renderer: StreamRenderer,
  call: ChatCall,
  completion: Completion,
  plan: StreamPlan,
  timers: TimerSet,
): void {
  // An answer made of tool calls streams the format's tool-call events in place of text.
  const calls = completion.toolCalls.length > 0 ? renderer.toolCallEvents(call, completion) : undefined;
  const texts = calls ?? groups(completion.pieces(), renderer.groupSize);
  const event = (index: number) => (calls === undefined ? renderer.delta(call, completion, texts[index] as string) : (texts[index] as string));
  const count = plan.ending === 'complete' ? texts.length : Math.floor(texts.length / 2);
  const ending = () =>
    plan.ending === 'complete' ? renderer.tail(call, completion) : plan.ending === 'error' ? renderer.error(completion) : '';
  const head = renderer.head(call, completion);

  if (plan.timeToFirstTokenMs <= 0 && plan.tokensPerSecond <= 0) {
    let out = head;
    for (let i = 0; i < count; i++) out += event(i);
    response.end(out + ending());
    return;
  }

  if (head !== '') response.write(head);
  else response.flushHeaders();
  const msPerGroup = plan.tokensPerSecond > 0 ? (1000 * Math.max(1, renderer.groupSize)) / plan.tokensPerSecond : 0;
  const started = performance.now();
  let next = 0;
  const due = (index: number) => plan.timeToFirstTokenMs + index * msPerGroup;
  const tick = () => {
    if (response.destroyed) return;
    const elapsed = performance.now() - started;
    let out = '';
    while (next < count && due(next) <= elapsed) out += event(next++);
    if (next >= count) {
      response.end(out + ending());
      return;
    }
    if (out !== '') response.write(out);
    timers.after(Math.max(1, due(next) - elapsed), tick);
  };
  timers.after(plan.timeToFirstTokenMs, tick);
}
