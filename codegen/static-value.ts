/**
 * Evaluates a TypeScript expression the way the DAG compiler may: without running it. The value
 * must be built from literals (strings, numbers, booleans, arrays, objects), object and array
 * spreads, and references to `const` declarations — in the same file or imported from another
 * (resolved through the type checker's symbols, so `import { x as y }` and re-exports work) —
 * including `shared.flag` / `shared['flag']` property reads. Anything else (a call, a `let`, a
 * template with substitutions, a parameter) is a `StaticValueError` naming the node and the
 * property path it stood at, never a guess.
 */
import {
  Node,
  SyntaxKind,
  type Symbol as TsMorphSymbol,
  type VariableDeclaration,
  VariableDeclarationKind,
} from 'ts-morph';

export class StaticValueError extends Error {
  constructor(
    /** The node that cannot be read; it may lie in another file than the one being read. */
    readonly node: Node,
    /** Where in the value it stood: `flags.since.description`, `tables[2]`; '' at the top. */
    readonly propertyPath: string,
    message: string,
  ) {
    super(message);
  }
}

interface Walk {
  readonly path: string;
  /** Declarations being evaluated, to report `const a = { ...a }` instead of recursing. */
  readonly resolving: ReadonlySet<VariableDeclaration>;
}

/** The value `node` denotes; throws `StaticValueError` where it cannot be known statically. */
export function evaluateStatic(node: Node): unknown {
  return evaluate(node, { path: '', resolving: new Set() });
}

function evaluate(node: Node, walk: Walk): unknown {
  if (
    Node.isAsExpression(node) ||
    Node.isSatisfiesExpression(node) ||
    Node.isParenthesizedExpression(node)
  ) {
    return evaluate(node.getExpression(), walk);
  }
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node))
    return node.getLiteralValue();
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (node.getKind() === SyntaxKind.TrueKeyword) return true;
  if (node.getKind() === SyntaxKind.FalseKeyword) return false;
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.MinusToken) {
    const operand = node.getOperand();
    if (Node.isNumericLiteral(operand)) return -operand.getLiteralValue();
  }
  if (Node.isArrayLiteralExpression(node)) return evaluateArray(node.getElements(), walk);
  if (Node.isObjectLiteralExpression(node)) return evaluateObject(node.getProperties(), walk);
  if (Node.isIdentifier(node)) return evaluateReference(node, node.getSymbol(), walk);
  if (Node.isPropertyAccessExpression(node)) {
    // `ns.name` of `import * as ns`: the export itself, not a property of a value.
    if (isModule(node.getExpression())) {
      return evaluateReference(node.getNameNode(), node.getNameNode().getSymbol(), walk);
    }
    return readProperty(node, evaluate(node.getExpression(), walk), node.getName(), walk);
  }
  if (Node.isElementAccessExpression(node)) {
    const argument = node.getArgumentExpression();
    if (argument && (Node.isStringLiteral(argument) || Node.isNumericLiteral(argument))) {
      const key = String(argument.getLiteralValue());
      return readProperty(node, evaluate(node.getExpression(), walk), key, walk);
    }
  }
  throw new StaticValueError(
    node,
    walk.path,
    `${node.getKindName()} \`${truncate(node.getText())}\` is not a literal`,
  );
}

function evaluateArray(elements: Node[], walk: Walk): unknown[] {
  const result: unknown[] = [];
  for (const element of elements) {
    const at = { ...walk, path: `${walk.path}[${result.length}]` };
    if (Node.isSpreadElement(element)) {
      const spread = evaluate(element.getExpression(), at);
      if (!Array.isArray(spread)) {
        throw new StaticValueError(element, at.path, `\`${element.getText()}\` is not an array`);
      }
      result.push(...spread);
    } else {
      result.push(evaluate(element, at));
    }
  }
  return result;
}

function evaluateObject(properties: Node[], walk: Walk): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const property of properties) {
    if (Node.isSpreadAssignment(property)) {
      // Later keys win, as at run time: `{ ...shared, x: 1 }` overrides shared's x.
      const spread = evaluate(property.getExpression(), walk);
      if (!isPlainObject(spread)) {
        throw new StaticValueError(
          property,
          walk.path,
          `\`${truncate(property.getText())}\` does not spread an object`,
        );
      }
      Object.assign(result, spread);
      continue;
    }
    if (Node.isShorthandPropertyAssignment(property)) {
      const key = property.getName();
      const at = { ...walk, path: join(walk.path, key) };
      result[key] = evaluateReference(property.getNameNode(), property.getValueSymbol(), at);
      continue;
    }
    if (!Node.isPropertyAssignment(property)) {
      throw new StaticValueError(
        property,
        walk.path,
        `${property.getKindName()} is not allowed (only \`key: value\`, \`...spread\`)`,
      );
    }
    const nameNode = property.getNameNode();
    let key: string;
    if (Node.isIdentifier(nameNode)) key = nameNode.getText();
    else if (Node.isStringLiteral(nameNode) || Node.isNumericLiteral(nameNode))
      key = String(nameNode.getLiteralValue());
    else {
      throw new StaticValueError(
        nameNode,
        walk.path,
        `computed key ${nameNode.getText()} is not allowed`,
      );
    }
    const at = { ...walk, path: join(walk.path, key) };
    const initializer = property.getInitializer();
    if (!initializer) throw new StaticValueError(property, at.path, `${key} has no value`);
    result[key] = evaluate(initializer, at);
  }
  return result;
}

/**
 * An identifier (`symbol` is what it names; for `{ name }` the value's symbol, not the
 * property's): the initializer of the `const` it names, wherever that is declared.
 */
function evaluateReference(
  identifier: Node,
  symbol: TsMorphSymbol | undefined,
  walk: Walk,
): unknown {
  const name = identifier.getText();
  const fail = (why: string) => new StaticValueError(identifier, walk.path, `\`${name}\` ${why}`);
  if (!symbol) throw fail('is not declared');
  const local = symbol.getDeclarations()[0];
  const target = symbol.isAlias() ? symbol.getAliasedSymbol() : symbol;
  const declaration = target?.getDeclarations()[0];
  if (!declaration) {
    const from = local?.getFirstAncestorByKind(SyntaxKind.ImportDeclaration);
    throw fail(
      from
        ? `cannot be resolved: ${from.getModuleSpecifier().getText()} does not export it, or is not found`
        : 'cannot be resolved',
    );
  }
  if (!Node.isVariableDeclaration(declaration)) {
    throw fail(`is a ${declaration.getKindName()}, not a const holding a literal`);
  }
  const kind = declaration.getVariableStatement()?.getDeclarationKind();
  if (kind !== VariableDeclarationKind.Const) {
    throw fail(
      `is declared with \`${kind ?? 'a binding'}\`; only a \`const\` can be read statically`,
    );
  }
  if (walk.resolving.has(declaration)) throw fail('refers to itself');
  const initializer = declaration.getInitializer();
  if (!initializer) throw fail('has no initializer');
  return evaluate(initializer, {
    path: walk.path,
    resolving: new Set([...walk.resolving, declaration]),
  });
}

function isModule(node: Node): boolean {
  const symbol = node.getSymbol();
  const target = symbol?.isAlias() ? symbol.getAliasedSymbol() : symbol;
  const declaration = target?.getDeclarations()[0];
  return declaration !== undefined && Node.isSourceFile(declaration);
}

function readProperty(node: Node, object: unknown, key: string, walk: Walk): unknown {
  if (isPlainObject(object) && Object.hasOwn(object, key)) return object[key];
  if (Array.isArray(object) && /^\d+$/.test(key) && Number(key) < object.length) {
    return object[Number(key)];
  }
  throw new StaticValueError(node, walk.path, `\`${truncate(node.getText())}\` has no value`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 40 ? `${oneLine.slice(0, 37)}...` : oneLine;
}
