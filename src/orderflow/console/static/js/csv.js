// A small streaming CSV reader (RFC 4180: quotes, doubled quotes, CRLF) for the export.

export class CsvReader {
  constructor(onRow) {
    this.onRow = onRow;
    this.field = "";
    this.row = [];
    this.quoted = false;
    this.afterQuote = false;
    this.sep = null;
  }

  /** Feed the next piece of text; whole rows are handed to onRow as arrays of strings. */
  push(text) {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.sep === null && !this.quoted && (c === "," || c === ";")) this.sep = c;
      if (this.quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            this.field += '"';
            i++;
          } else if (i + 1 === text.length) {
            this.quoted = false; // may be an escaped quote split across chunks: see below
            this.afterQuote = true;
          } else {
            this.quoted = false;
          }
        } else {
          this.field += c;
        }
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (c === '"') {
          this.field += '"';
          this.quoted = true;
          continue;
        }
      }
      if (c === '"' && this.field === "") this.quoted = true;
      else if (c === this.sep) this.endField();
      else if (c === "\n") this.endRow();
      else if (c !== "\r") this.field += c;
    }
  }

  /** Flush the last row when the text has no final newline. */
  end() {
    if (this.field !== "" || this.row.length) this.endRow();
  }

  endField() {
    this.row.push(this.field);
    this.field = "";
  }

  endRow() {
    this.endField();
    const row = this.row;
    this.row = [];
    if (row.length > 1 || row[0] !== "") this.onRow(row);
  }
}
