#!/usr/bin/env python3
# Checks the Flatpak manifest: valid JSON, the app's ID and command, and
# sandbox permissions that stay within what the app needs (a display, GPU,
# no file system: files come through the portals).
#
# Usage: check-manifest.py MANIFEST.json APP_ID COMMAND

import json
import sys

EXPECTED_ARGS = {'--share=ipc', '--socket=fallback-x11', '--socket=wayland', '--device=dri'}


def main():
    path, app_id, command = sys.argv[1:4]
    problems = []
    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f'{path}: {e}', file=sys.stderr)
        return 1

    def expect(key, value):
        if manifest.get(key) != value:
            problems.append(f'{key} is {manifest.get(key)!r}, expected {value!r}')

    expect('id', app_id)
    expect('command', command)
    expect('runtime', 'org.gnome.Platform')
    expect('sdk', 'org.gnome.Sdk')

    args = manifest.get('finish-args', [])
    for arg in args:
        if arg.startswith('--filesystem') or arg in ('--share=network', '--socket=x11',
                                                     '--device=all', '--talk-name=org.freedesktop.Flatpak'):
            problems.append(f'finish-args has {arg}: the app opens and saves files through portals')
    for arg in sorted(EXPECTED_ARGS - set(args)):
        problems.append(f'finish-args lacks {arg}')

    modules = manifest.get('modules', [])
    names = [m.get('name') if isinstance(m, dict) else m for m in modules]
    if not names or names[-1] != 'sparse-lens':
        problems.append(f'the last module should be sparse-lens, not {names[-1:]}')
    for module in modules:
        if not isinstance(module, dict):
            continue
        for source in module.get('sources', []):
            if source.get('type') in ('archive', 'file') and 'url' in source:
                if not source['url'].startswith('https://'):
                    problems.append(f"{module['name']}: {source['url']} is not https")
                if len(source.get('sha256', '')) != 64:
                    problems.append(f"{module['name']}: {source['url']} has no sha256")

    for problem in problems:
        print(f'{path}: {problem}', file=sys.stderr)
    if not problems:
        print(f'{path}: ok ({len(modules)} modules, finish-args {" ".join(args)})')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
