/**
 * A doubly linked list for what joins and leaves once per request. Each item owns its node (made
 * once, appended and removed as often as needed), so joining and leaving take constant time and
 * allocate nothing.
 *
 * Why not a Set: a Set that every request joins and leaves keeps replacing its hash table, and V8's
 * replaced tables keep pointing at the entries they held. Once the Set lives in the old generation,
 * the scavenger takes those pointers as roots, so requests long finished survived scavenges and were
 * promoted: with the proxy's set of requests per instance, every request's objects ended in the old
 * generation, scavenges took ~4 ms instead of under 1, and a mark-compact ran every second
 * (bench/proxy.mjs under `--trace-gc`). A removed node here lets go of its neighbours.
 */
export class ListNode<T> {
  prev: ListNode<T> | undefined = undefined;
  next: ListNode<T> | undefined = undefined;
  list: LinkedList<T> | undefined = undefined;

  constructor(readonly value: T) {}
}

export class LinkedList<T> {
  private head: ListNode<T> | undefined;
  private tail: ListNode<T> | undefined;
  size = 0;

  /** Appends a node; one already in a list is moved here. */
  append(node: ListNode<T>): void {
    node.list?.remove(node);
    node.list = this;
    node.prev = this.tail;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.size++;
  }

  /** Removes a node of this list; a node already removed (or of another list) is left alone. */
  remove(node: ListNode<T>): void {
    if (node.list !== this) return;
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
    node.list = undefined;
    this.size--;
  }

  /** The oldest node, if any. */
  first(): ListNode<T> | undefined {
    return this.head;
  }

  /** The values in order, as a copy (callers may remove nodes while going through it). */
  values(): T[] {
    const out: T[] = [];
    for (let node = this.head; node; node = node.next) out.push(node.value);
    return out;
  }
}
