// The JSON events a command can print, read from the source with the TypeScript compiler: the
// event unions by their types, and the objects a command builds itself by their literals. The
// list is derived from the code, so an event added there and not to docs/JSON.md fails a test.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './cli.ts';

export interface JsonEvent {
  type: string;
  fields: string[];
  /** Where it was found, for failure messages. */
  source: string;
}

let built: ts.Program | undefined;

/** One program over every source file, built once: type-checking costs seconds, not per question. */
function program(): ts.Program {
  const roots = (readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(ROOT, 'src', file));
  built ??= ts.createProgram(roots, {
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    resolveJsonModule: true,
    skipLibCheck: true,
  });
  return built;
}

/** Each member of the union type `name` exported from `file`: its `type` literal and its other properties. */
export function unionEvents(file: string, name: string): JsonEvent[] {
  const built = program();
  const checker = built.getTypeChecker();
  const source = built.getSourceFile(path.join(ROOT, file))!;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((each) => each.name === name);
  if (!symbol) throw new Error(`${name} is not exported from ${file}`);
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const members = type.isUnion() ? type.types : [type];
  return members.flatMap((member) => {
    const typeProperty = member.getProperty('type');
    if (!typeProperty) return [];
    const literal = checker.getTypeOfSymbol(typeProperty);
    const names = literal.isUnion() ? literal.types : [literal];
    const fields = member.getProperties().map((property) => property.name).filter((field) => field !== 'type');
    return names.filter((each) => each.isStringLiteral()).map((each) => ({ type: (each as ts.StringLiteralType).value, fields, source: `${file} ${name}` }));
  });
}

/**
 * Object literals with a string `type` built in `file`: inside the function `within`, or passed
 * to a call of `argumentOf` (`writeJson`, `io.writeJson`), or anywhere.
 */
export function literalEvents(file: string, where: { within?: string; argumentOf?: string } = {}): JsonEvent[] {
  const source = ts.createSourceFile(file, ts.sys.readFile(path.join(ROOT, file))!, ts.ScriptTarget.ES2022, true);
  const events: JsonEvent[] = [];
  const visit = (node: ts.Node, inside: boolean) => {
    const within = inside || (ts.isFunctionDeclaration(node) && node.name?.text === where.within) || where.within === undefined;
    const passed =
      where.argumentOf === undefined ||
      (node.parent !== undefined && ts.isCallExpression(node.parent) && node.parent.arguments.includes(node as ts.Expression) && node.parent.expression.getText(source).endsWith(where.argumentOf));
    if (within && passed && ts.isObjectLiteralExpression(node)) {
      const typeProperty = node.properties.find(
        (property): property is ts.PropertyAssignment => ts.isPropertyAssignment(property) && property.name.getText(source) === 'type',
      );
      if (typeProperty && ts.isStringLiteral(typeProperty.initializer)) {
        const fields = node.properties
          .filter((property) => ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property))
          .map((property) => property.name!.getText(source))
          .filter((field) => field !== 'type');
        events.push({ type: typeProperty.initializer.text, fields, source: file });
      }
    }
    ts.forEachChild(node, (child) => visit(child, within));
  };
  visit(source, false);
  return events;
}

/** The properties of every member of the type `name` exported from `file`, and of its string literal members. */
export function typeMembers(file: string, name: string): { fields: string[]; literals: string[] } {
  const built = program();
  const checker = built.getTypeChecker();
  const source = built.getSourceFile(path.join(ROOT, file))!;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((each) => each.name === name);
  if (!symbol) throw new Error(`${name} is not exported from ${file}`);
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const members = type.isUnion() ? type.types : [type];
  const fields = new Set<string>();
  const literals: string[] = [];
  for (const member of members) {
    if (member.isStringLiteral()) literals.push(member.value);
    for (const property of member.getProperties()) fields.add(property.name);
  }
  return { fields: [...fields], literals };
}

/** The string literals the property `property` may hold in the type `name` exported from `file`. */
export function propertyLiterals(file: string, name: string, property: string): string[] {
  const built = program();
  const checker = built.getTypeChecker();
  const source = built.getSourceFile(path.join(ROOT, file))!;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((each) => each.name === name)!;
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const values = new Set<string>();
  for (const member of type.isUnion() ? type.types : [type]) {
    const found = member.getProperty(property);
    if (!found) continue;
    const propertyType = checker.getTypeOfSymbol(found);
    for (const each of propertyType.isUnion() ? propertyType.types : [propertyType]) {
      if (each.isStringLiteral()) values.add(each.value);
    }
  }
  return [...values];
}

/** The string literals passed first to calls of `callee` (`localError`) in `file`. */
export function callLiterals(file: string, callee: string): string[] {
  const source = ts.createSourceFile(file, ts.sys.readFile(path.join(ROOT, file))!, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && node.expression.getText(source).endsWith(callee) && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
