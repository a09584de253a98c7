/**
 * A fake terminal of a fixed width for progress tests: it interprets what a real terminal
 * would (`\r`, `\n`, erase-to-end-of-line `ESC[K`, and automatic wrapping when a character is
 * printed past the last column) and counts the wraps, so a test can assert that redrawn lines
 * never wrap and see the screen a user would see.
 */
export class FakeTerminal {
  readonly isTTY = true;
  /** Rows on screen, top to bottom. */
  readonly rows: string[] = [''];
  /** Times the cursor wrapped to a new row because a line was too long. */
  wraps = 0;
  private row = 0;
  private col = 0;
  private pendingWrap = false;

  constructor(public columns: number) {}

  /** Receives text as `process.stderr.write` would. */
  write(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\u001b' && text.startsWith('\u001b[K', i)) {
        this.rows[this.row] = this.rows[this.row].slice(0, this.col);
        i += 2;
      } else if (ch === '\r') {
        this.col = 0;
        this.pendingWrap = false;
      } else if (ch === '\n') {
        this.newRow();
      } else {
        if (this.pendingWrap) {
          this.wraps++;
          this.newRow();
        }
        const line = this.rows[this.row].padEnd(this.col, ' ');
        this.rows[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
        if (this.col === this.columns) {
          this.col = this.columns - 1;
          this.pendingWrap = true;
        }
      }
    }
    return true;
  }

  private newRow(): void {
    this.row++;
    this.col = 0;
    this.pendingWrap = false;
    if (this.rows.length <= this.row) this.rows.push('');
  }
}
