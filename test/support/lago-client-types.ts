/**
 * Lago's official JavaScript client as the judge of wire compatibility: the client only parses
 * JSON, so its TypeScript declarations are where its expectations live. This reads them with the
 * TypeScript compiler and checks a response body against the type a client method declares
 * (`Promise<HttpResponse<D>>` → D): every required property present, every present property of
 * the declared kind (string, number, boolean, null, array, object, string/number literal).
 */
import path from 'node:path';
import ts from 'typescript';

export interface ShapeMismatch {
  path: string;
  problem: string;
}

export interface LagoClientTypes {
  /** Mismatches between `value` and the success type of `client.<group>.<method>(...)`. */
  checkResponse(group: string, method: string, value: unknown): ShapeMismatch[];
}

export function loadLagoClientTypes(): LagoClientTypes {
  const entry = require.resolve('lago-javascript-client', { paths: [process.cwd()] });
  const declarations = path.join(path.dirname(entry), 'openapi', 'client.d.ts');
  const program = ts.createProgram([declarations], { noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(declarations);
  if (!source) throw new Error(`cannot read ${declarations}`);
  const apiClass = source.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === 'Api');
  if (!apiClass?.name) throw new Error('no Api class in the client declarations');
  const apiType = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(apiClass.name)!);

  function successType(group: string, method: string): ts.Type {
    const groupSymbol = checker.getPropertyOfType(apiType, group);
    if (!groupSymbol) throw new Error(`the client has no ${group}`);
    const methodSymbol = checker.getPropertyOfType(checker.getTypeOfSymbol(groupSymbol), method);
    if (!methodSymbol) throw new Error(`the client has no ${group}.${method}`);
    const signature = checker.getTypeOfSymbol(methodSymbol).getCallSignatures()[0]!;
    const response = checker.getAwaitedType(signature.getReturnType())!;
    return checker.getTypeOfSymbol(checker.getPropertyOfType(response, 'data')!);
  }

  const typeName = (type: ts.Type) => checker.typeToString(type).slice(0, 120);

  function check(type: ts.Type, value: unknown, at: string, out: ShapeMismatch[], depth: number): void {
    if (depth > 12) return;
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (type.isUnion()) {
      // Fine if one member fits; otherwise report against the closest member of the value's kind.
      let best: ShapeMismatch[] | undefined;
      for (const member of type.types) {
        const attempt: ShapeMismatch[] = [];
        check(member, value, at, attempt, depth);
        if (attempt.length === 0) return;
        // A member of the value's own kind (its mismatches are inside it) explains best.
        const inside = attempt.some((mismatch) => mismatch.path !== at);
        if (inside && (!best || attempt.length < best.length)) best = attempt;
      }
      if (best) out.push(...best);
      else out.push({ path: at, problem: `${JSON.stringify(value)?.slice(0, 80)} is not ${typeName(type)}` });
      return;
    }
    if (type.isIntersection()) {
      // Object parts: check the merged properties once.
      if (!isObject(value)) {
        out.push({ path: at, problem: `expected an object (${typeName(type)}), got ${kindOf(value)}` });
        return;
      }
      checkProperties(type, value, at, out, depth);
      return;
    }
    if (flags & ts.TypeFlags.Null) return expectThat(value === null, 'null');
    if (flags & ts.TypeFlags.Undefined) return expectThat(value === undefined, 'undefined');
    if (type.isStringLiteral()) return expectThat(value === type.value, JSON.stringify(type.value));
    if (type.isNumberLiteral()) return expectThat(value === type.value, String(type.value));
    if (flags & ts.TypeFlags.BooleanLiteral) return expectThat(value === (typeName(type) === 'true'), typeName(type));
    if (flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) return expectThat(typeof value === 'string', 'a string');
    if (flags & ts.TypeFlags.Number) return expectThat(typeof value === 'number', 'a number');
    if (flags & ts.TypeFlags.Boolean) return expectThat(typeof value === 'boolean', 'a boolean');
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      if (!Array.isArray(value)) return expectThat(false, 'an array');
      const element = checker.getTypeArguments(type as ts.TypeReference)[0];
      if (element) value.forEach((item, index) => check(element, item, `${at}[${index}]`, out, depth + 1));
      return;
    }
    if (flags & ts.TypeFlags.Object) {
      if (!isObject(value)) return expectThat(false, `an object (${typeName(type)})`);
      checkProperties(type, value, at, out, depth);
    }

    function expectThat(ok: boolean, expected: string) {
      if (!ok) out.push({ path: at, problem: `expected ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}` });
    }
  }

  function checkProperties(type: ts.Type, value: Record<string, unknown>, at: string, out: ShapeMismatch[], depth: number) {
    for (const property of checker.getPropertiesOfType(type)) {
      const name = property.getName();
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      if (!(name in value)) {
        if (!optional) out.push({ path: `${at}.${name}`, problem: 'missing' });
        continue;
      }
      // Lago's serializers write an absent optional value as null where its OpenAPI types say
      // `name?: T`; the client's users read both with `?.`, so null passes for optional properties.
      if (optional && value[name] === null) continue;
      // (An optional property's type includes undefined: that union member simply never matches.)
      check(checker.getTypeOfSymbol(property), value[name], `${at}.${name}`, out, depth + 1);
    }
  }

  return {
    checkResponse(group, method, value) {
      const out: ShapeMismatch[] = [];
      check(successType(group, method), value, '', out, 0);
      return out;
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
