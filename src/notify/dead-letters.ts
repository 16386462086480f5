import { pageSize, type DeadLetter, type DeadLetterStore } from "../store/ports/dead-letter-store.js";

export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly letters = new Map<string, DeadLetter>();

  add(letter: DeadLetter): Promise<void> {
    this.letters.set(letter.id, structuredClone(letter));
    return Promise.resolve();
  }
  get(id: string): Promise<DeadLetter | undefined> {
    const letter = this.letters.get(id);
    return Promise.resolve(letter && structuredClone(letter));
  }
  list(options: { channel?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const all = [...this.letters.values()]
      .filter((l) => options.channel === undefined || l.channel === options.channel)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return Promise.resolve(all.slice(0, pageSize(options.limit)).map((l) => structuredClone(l)));
  }
  recordFailure(id: string, update: { attempts: number; lastError: string; at: number }): Promise<void> {
    const letter = this.letters.get(id);
    if (letter)
      Object.assign(letter, {
        attempts: update.attempts,
        lastError: update.lastError,
        lastAttemptAt: update.at,
      });
    return Promise.resolve();
  }
  remove(id: string): Promise<boolean> {
    return Promise.resolve(this.letters.delete(id));
  }
  count(): Promise<number> {
    return Promise.resolve(this.letters.size);
  }
}
