// The error codes of the shared-files commands. They are part of the chat protocol's one error
// table (files travel on the chat port); kept here, beside the file lines, as that table's
// shared-files section. docs/PROTOCOL.md "File errors" lists each with when it is sent.
export const FILE_ERROR_CODES = {
  FILE_NAME_INVALID: 'the file name breaks the name rules',
  NO_SUCH_FILE: 'no shared file by that name',
  BAD_OFFSET: 'a download offset past the end of the file',
  FILE_CHANGED: 'the file changed on disk while it was being sent',
  TOO_MANY_TRANSFERS: "the user's or the server's transfer limit is reached",
  UPLOAD_MISPLACED: 'an upload that is not the first line of a connection (nor right after TRANSFER)',
  UPLOADS_DISABLED: 'the server does not accept uploads',
  FILE_TOO_LARGE: 'the upload is over the largest size the server accepts',
  DISK_FULL: 'the upload would leave too little free disk space, or the disk filled up',
  UPLOAD_INCOMPLETE: 'the connection ended before the declared size arrived',
  UPLOAD_CORRUPT: 'what arrived does not have the declared SHA-256',
  TICKET_INVALID: 'TRANSFER with a ticket that is unknown, used, expired or from another address',
  TRANSFER_FAILED: 'the server could not read or write the file',
} as const;

export type FileErrorCode = keyof typeof FILE_ERROR_CODES;

/** A refusal or failure of a file operation, as the server reports it. */
export interface FileProblem {
  code: FileErrorCode;
  message: string;
}
