#!/usr/bin/env python3
"""Prints redfleet/src/main/resources/lua/NAME.lua as redis/Script sends it: each line '--#include LIB'
replaced by lua/lib/LIB.lua. Usage: scripts/expand-lua.py NAME > NAME.expanded.lua"""
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'redfleet', 'src', 'main', 'resources', 'lua')
out = []
for line in open(os.path.join(root, sys.argv[1] + '.lua')).read().split('\n'):
    if line.startswith('--#include '):
        out.append(open(os.path.join(root, 'lib', line[len('--#include '):].strip() + '.lua')).read())
    else:
        out.append(line + '\n')
sys.stdout.write(''.join(out)[:-1])
