import { describe, expect, it } from 'vitest';
import {
  downloadReadings,
  fileClientLine,
  fileServerLine,
  parseFileServerLine,
  parseListFilesArgs,
  parseUploadArgs,
  parseUploadTrailer,
} from '../../../src/protocol/files/file-lines.ts';

const SHA = 'a'.repeat(64);

describe('client lines', () => {
  it('reads DOWNLOAD_TCP as a name, then as a name and an offset', () => {
    expect(downloadReadings('report.csv')).toEqual([{ name: 'report.csv', offset: 0 }]);
    expect(downloadReadings('  report.csv  ')).toEqual([{ name: 'report.csv', offset: 0 }]);
    expect(downloadReadings('report.csv 100')).toEqual([
      { name: 'report.csv 100', offset: 0 },
      { name: 'report.csv', offset: 100 },
    ]);
    expect(downloadReadings('my report (1).csv')).toEqual([{ name: 'my report (1).csv', offset: 0 }]);
    expect(downloadReadings('"data 2" 7')).toEqual([{ name: 'data 2', offset: 7 }]);
    expect(downloadReadings('"data 2"')).toEqual([{ name: 'data 2', offset: 0 }]);
    expect(downloadReadings('"unterminated')).toEqual([]);
    expect(downloadReadings('"x" seven')).toEqual([]);
    expect(downloadReadings('')).toEqual([]);
  });

  it('sends names that could be misread in quotes', () => {
    expect(fileClientLine.downloadTcp('report.csv')).toBe('DOWNLOAD_TCP report.csv');
    expect(fileClientLine.downloadTcp('report.csv', 10)).toBe('DOWNLOAD_TCP "report.csv" 10');
    expect(fileClientLine.downloadTcp('data 2')).toBe('DOWNLOAD_TCP "data 2"');
    for (const [name, offset] of [['data 2', 0], ['a b', 5], ['plain', 0], ['plain', 9]] as const) {
      const rest = fileClientLine.downloadTcp(name, offset).slice('DOWNLOAD_TCP '.length);
      expect(downloadReadings(rest)[0]).toEqual({ name, offset });
    }
  });

  it('parses LIST_FILES and UPLOAD arguments', () => {
    expect(parseListFilesArgs('')).toEqual({});
    expect(parseListFilesArgs('after my file.txt')).toEqual({ after: 'my file.txt' });
    expect(parseListFilesArgs('sideways')).toBeUndefined();
    expect(parseUploadArgs(`12 ${SHA.toUpperCase()} my report.csv`)).toEqual({ size: 12, sha256: SHA, name: 'my report.csv' });
    expect(parseUploadArgs(`12 ${SHA}`)).toBeUndefined();
    expect(parseUploadArgs(`-1 ${SHA} x`)).toBeUndefined();
    expect(parseUploadArgs(`12 ${SHA.slice(1)} x`)).toBeUndefined();
    expect(parseUploadArgs(`1234567890123456 ${SHA} x`)).toBeUndefined();
  });

  it('takes no FILE_START_TCP or FILE_STORED whose name no shared file may have: the client saves and shows it', () => {
    expect(parseFileServerLine(`FILE_START_TCP 3 ${SHA} 0 ../../x.txt`)).toBeUndefined();
    expect(parseFileServerLine(`FILE_START_TCP 3 ${SHA} 0 x.txt`)).toMatchObject({ type: 'file-start', name: 'x.txt' });
    expect(parseFileServerLine(`FILE_STORED 4 ${SHA} evil\u001b]0;TITLE\u0007.txt`)).toBeUndefined();
    expect(parseFileServerLine(`FILE_STORED 4 ${SHA} good (1).txt`)).toMatchObject({ type: 'file-stored', name: 'good (1).txt' });
  });

  it('reads UPLOAD parameters separated by more than one space, the name from its first non-space character', () => {
    expect(parseUploadArgs(` 3  ${SHA}   two words.txt `)).toEqual({ size: 3, sha256: SHA, name: 'two words.txt' });
    expect(parseUploadArgs('3   TRAILER  x')).toEqual({ size: 3, sha256: undefined, name: 'x' });
    expect(parseUploadArgs(`3 ${SHA}   `)).toBeUndefined();
  });

  it('reads an UPLOAD whose hash follows the bytes, and the trailer line after them', () => {
    expect(parseUploadArgs('12 TRAILER my report.csv')).toEqual({ size: 12, sha256: undefined, name: 'my report.csv' });
    expect(parseUploadArgs('0 trailer x')).toEqual({ size: 0, sha256: undefined, name: 'x' });
    expect(parseUploadArgs('12 TRAILERS x')).toBeUndefined();
    expect(parseUploadArgs('12 TRAILER')).toBeUndefined();
    expect(fileClientLine.upload({ size: 12, sha256: undefined, name: 'a b' })).toBe('UPLOAD 12 TRAILER a b');
    expect(fileClientLine.upload({ size: 12, sha256: SHA, name: 'a b' })).toBe(`UPLOAD 12 ${SHA} a b`);
    expect(parseUploadTrailer(fileClientLine.uploadTrailer(SHA))).toBe(SHA);
    expect(parseUploadTrailer(`SHA256 ${SHA.toUpperCase()}\r`)).toBe(SHA);
    for (const bad of [`SHA256 ${SHA.slice(1)}`, `SHA256 ${SHA} `, `sha256 ${SHA}`, `SHA256  ${SHA}`, `SHA256 ${'g'.repeat(64)}`, '']) {
      expect(parseUploadTrailer(bad)).toBeUndefined();
    }
  });
});

describe('server lines', () => {
  it('round-trips every line through the parser', () => {
    const mtimeMs = Date.UTC(2026, 10, 30, 12, 0, 0, 789);
    expect(parseFileServerLine(fileServerLine.file({ name: 'a b.csv', size: 5, mtimeMs }))).toEqual({
      type: 'file',
      name: 'a b.csv',
      size: 5,
      mtime: '2026-11-30T12:00:00Z',
    });
    expect(parseFileServerLine(fileServerLine.filesEnd(1, 1))).toEqual({ type: 'files-end', shown: 1, total: 1 });
    expect(parseFileServerLine(fileServerLine.filesEnd(500, 9000, 'x y.txt'))).toEqual({
      type: 'files-end',
      shown: 500,
      total: 9000,
      continueAfter: 'x y.txt',
    });
    const header = { size: 10, sha256: SHA, offset: 4, name: 'a (1).bin' };
    expect(parseFileServerLine(fileServerLine.fileStart(header))).toEqual({ type: 'file-start', ...header });
    expect(parseFileServerLine(fileServerLine.ticket('0123456789abcdef0123456789abcdef', 30))).toEqual({
      type: 'ticket',
      token: '0123456789abcdef0123456789abcdef',
      ttlSeconds: 30,
    });
    expect(parseFileServerLine(fileServerLine.uploadReady())).toEqual({ type: 'upload-ready' });
    expect(parseFileServerLine(fileServerLine.stored({ size: 3, sha256: SHA, name: 'r (2).csv' }))).toEqual({
      type: 'file-stored',
      size: 3,
      sha256: SHA,
      name: 'r (2).csv',
    });
    expect(parseFileServerLine(fileServerLine.shared('alice', 'report (1).csv', '1.0 MB'))).toEqual({
      type: 'file-shared',
      by: 'alice',
      name: 'report (1).csv',
      sizeText: '1.0 MB',
    });
    expect(parseFileServerLine(fileServerLine.shared(undefined, 'x', '3 B'))).toEqual({ type: 'file-shared', name: 'x', sizeText: '3 B' });
  });

  it('refuses a header whose offset is past the size, and lines that are not file lines', () => {
    expect(parseFileServerLine(`FILE_START_TCP 10 ${SHA} 11 x`)).toBeUndefined();
    expect(parseFileServerLine(`FILE_START_TCP 10 ${SHA.slice(2)} 0 x`)).toBeUndefined();
    expect(parseFileServerLine('[Broadcast] bob: FILE_START_TCP 1 2 3 x')).toBeUndefined();
    expect(parseFileServerLine('[Server] bob has joined the chat.')).toBeUndefined();
  });
});
