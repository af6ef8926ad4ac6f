/**
 * SQL for dbt's four built-in generic tests (as dbt-core writes them) and for the project's own
 * generic tests. A test passes when its query returns no rows.
 */
import { type Compiler, type Relation, relationName } from './compile.js';
import { type DataTest, ProjectError } from './project.js';

const quoteValue = (value: unknown) =>
  typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "\\'")}'`;

/** dbt's test id: `<test>_<model>_<column>` with non-word characters folded to `_`. */
export function testId(test: DataTest): string {
  return [test.test, test.model, test.column]
    .filter(Boolean)
    .join('_')
    .replace(/\W+/g, '_')
    .replace(/_+$/, '');
}

export function dataTestSql(compiler: Compiler, test: DataTest, model: Relation): string {
  const where = `${test.file}: ${test.test} on ${test.model}${test.column ? `.${test.column}` : ''}`;
  const table = relationName(model);
  const column = test.column;
  const needColumn = () => {
    if (!column) throw new ProjectError(`${where}: needs a column (or column_name)`);
    return column;
  };
  switch (test.test) {
    case 'not_null':
      return `select ${needColumn()} from ${table} where ${needColumn()} is null`;
    case 'unique':
      return [
        `select ${needColumn()} as unique_field, count(*) as n_records`,
        `from ${table} where ${needColumn()} is not null`,
        `group by ${needColumn()} having count(*) > 1`,
      ].join('\n');
    case 'accepted_values': {
      const values = test.args.values;
      if (!Array.isArray(values) || values.length === 0) {
        throw new ProjectError(`${where}: accepted_values needs a non-empty 'values' list`);
      }
      const quote = test.args.quote !== false;
      const list = values.map((value) => (quote ? quoteValue(value) : String(value))).join(', ');
      return [
        `with all_values as (select ${needColumn()} as value_field, count(*) as n_records`,
        `from ${table} group by ${needColumn()})`,
        `select * from all_values where value_field not in (${list})`,
      ].join('\n');
    }
    case 'relationships': {
      const to = test.args.to;
      const field = test.args.field;
      if (typeof to !== 'string' || typeof field !== 'string') {
        throw new ProjectError(`${where}: relationships needs 'to' and 'field'`);
      }
      const parent = compiler.renderExpression(to, test.file);
      return [
        `with child as (select ${needColumn()} as from_field from ${table} where ${needColumn()} is not null),`,
        `parent as (select ${field} as to_field from ${parent})`,
        'select from_field from child',
        'left join parent on child.from_field = parent.to_field',
        'where parent.to_field is null',
      ].join('\n');
    }
    default: {
      const sql = compiler.customTestSql(test.test, model, column, test.args);
      if (sql === undefined) {
        throw new ProjectError(
          `${where}: unknown generic test '${test.test}' (built in: not_null, unique, accepted_values, relationships; custom ones go in tests/generic/)`,
        );
      }
      return sql;
    }
  }
}
