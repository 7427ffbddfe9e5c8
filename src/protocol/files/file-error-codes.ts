// The error codes of the shared-files commands. They are part of the chat protocol's one error
// table (files travel on the chat port); kept here, beside the file lines, as that table's
// shared-files section. docs/PROTOCOL.md "File errors" lists each with when it is sent.
// `closes`: the server closes the connection after it. An upload owns its connection, so every
// refusal of an upload closes it whatever the code says here (docs: "closed for an upload").
export const FILE_ERROR_CODES = {
  FILE_NAME_INVALID: { when: 'the file name breaks the name rules', closes: false },
  NO_SUCH_FILE: { when: 'no shared file by that name', closes: false },
  BAD_OFFSET: { when: 'a download offset past the end of the file', closes: false },
  FILE_CHANGED: { when: 'the file changed on disk while it was being sent', closes: false },
  TOO_MANY_TRANSFERS: { when: "the user's or the server's transfer limit is reached", closes: false },
  UPLOAD_MISPLACED: { when: 'an upload that is not the first line of a connection (nor right after TRANSFER)', closes: false },
  UPLOADS_DISABLED: { when: 'the server does not accept uploads', closes: true },
  FILE_TOO_LARGE: { when: 'the upload is over the largest size the server accepts', closes: true },
  DISK_FULL: { when: 'the upload would leave too little free disk space, or the disk filled up', closes: true },
  UPLOAD_INCOMPLETE: { when: 'the connection ended before the declared size (and, with TRAILER, the hash line) arrived', closes: true },
  UPLOAD_CORRUPT: { when: 'what arrived does not have the declared SHA-256, or the trailer line is malformed', closes: true },
  TICKET_INVALID: { when: 'TRANSFER with a ticket that is unknown, used, expired or from another address', closes: true },
  TRANSFER_FAILED: { when: 'the server could not read or write the file', closes: true },
} as const;

export type FileErrorCode = keyof typeof FILE_ERROR_CODES;

/** A refusal or failure of a file operation, as the server reports it. */
export interface FileProblem {
  code: FileErrorCode;
  message: string;
}
