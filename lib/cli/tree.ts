/** A node of a text tree: a line and its children. */
export interface TreeNode {
  readonly label: string;
  readonly children?: readonly TreeNode[];
}

/**
 * Draw nodes as a tree with box-drawing branches:
 * ```
 * root
 * ├─ child
 * │  └─ grandchild
 * └─ last
 * ```
 * Returns the lines without newlines.
 */
export function renderTree(root: TreeNode): string[] {
  const lines = [root.label];
  const walk = (children: readonly TreeNode[], prefix: string): void => {
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${child.label}`);
      walk(child.children ?? [], `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root.children ?? [], '');
  return lines;
}
